from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civitas.accounts"
    label = "accounts"
    verbose_name = "Staff and departments"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from civitas.accounts.middleware import prime_session

        # Session bookkeeping on every sign-in path (idle clock, MFA note); not domain flow.
        user_logged_in.connect(prime_session, dispatch_uid="civitas.accounts.prime_session")
