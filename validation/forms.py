"""The scanner page's form: a pasted or typed QR code and the nonce of this form."""

from django import forms

from validation.api import MAX_QR_LENGTH, NONCE_FORMAT


class ScanForm(forms.Form):
    qr = forms.CharField(label="QR code", max_length=MAX_QR_LENGTH, strip=True)
    # Issued with the page, so submitting the same form twice counts one entry.
    nonce = forms.CharField(widget=forms.HiddenInput, validators=[NONCE_FORMAT])
