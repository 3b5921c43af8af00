"""Forms of the accounts pages."""

from django import forms

from accounts.models import SellerApplication


class SellerApplicationForm(forms.ModelForm):
    class Meta:
        model = SellerApplication
        fields = [
            "business_name",
            "business_address",
            "business_type",
            "phone",
            "country",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
