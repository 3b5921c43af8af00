"""The seller's message form."""

from django import forms

from notices.models import CampaignMessage


class CampaignMessageForm(forms.ModelForm):
    class Meta:
        model = CampaignMessage
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"body": "Plain text, up to 5,000 characters."}
