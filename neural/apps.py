from django.apps import AppConfig


class NeuralConfig(AppConfig):
    name = "neural"
    verbose_name = "Neural tests"
