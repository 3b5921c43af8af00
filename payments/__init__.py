"""Payment gateways (Flutterwave, local sandbox), payments, webhooks, refunds."""
