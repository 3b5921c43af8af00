"""Forms of the payments pages: a refund request and a seller's decline."""

from django import forms


class RefundRequestForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why (optional)",
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), label="Reason for declining"
    )
