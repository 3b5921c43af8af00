"""Forms of the validation pages: the scanner's pasted code, and the door page's scanners."""

from django import forms

from validation.api import MAX_QR_LENGTH, NONCE_FORMAT


class ScanForm(forms.Form):
    qr = forms.CharField(label="QR code", max_length=MAX_QR_LENGTH, strip=True)
    # Issued with the page, so submitting the same form twice counts one entry.
    nonce = forms.CharField(widget=forms.HiddenInput, validators=[NONCE_FORMAT])


class DeviceForm(forms.Form):
    name = forms.CharField(
        label="Scanner name",
        max_length=80,
        help_text="So you can tell it apart later, e.g. “North gate, phone 2”.",
    )


class RevokeForm(forms.Form):
    device = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
