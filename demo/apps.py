from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo clinic (`seed_demo`) and the benchmark data (`bench_data`): they write through
    every app's services, so they sit above all of them."""

    name = "demo"
    verbose_name = "Demo and benchmark data"
