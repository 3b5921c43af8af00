"""Forms of the seller finance page; they validate like the API and call the same services."""

from django import forms
from django.conf import settings
from django_countries import countries

from core.money import DECIMAL_PLACES, MAX_DIGITS, to_money
from finance import selectors, services
from finance.models import WithdrawalMethod

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class WithdrawalMethodForm(forms.Form):
    kind = forms.ChoiceField(choices=WithdrawalMethod.Kind.choices)
    bank_code = forms.RegexField(
        regex=services.BANK_CODE, help_text="Bank code, or the mobile money operator (e.g. MPS)."
    )
    account_number = forms.CharField(
        max_length=32, help_text="Account digits, or the phone number with its country code."
    )
    account_name = forms.CharField(max_length=100)
    country = forms.ChoiceField(choices=list(countries))
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)
    is_default = forms.BooleanField(required=False, label="Use as default for this currency")

    def clean(self):
        data = super().clean()
        if "kind" in data and "account_number" in data:
            try:
                data["account_number"] = services.normalize_account_number(
                    kind=data["kind"], value=data["account_number"]
                )
            except ValueError as exc:
                self.add_error("account_number", str(exc))
        return data


class WithdrawForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, min_value=to_money("0.01")
    )
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)
    method = forms.TypedChoiceField(coerce=int, label="To")

    def __init__(self, *args, seller, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [
            (method.pk, str(method))
            for method in selectors.seller_withdrawal_methods(seller=seller)
        ]
