"""Billing: membership dues and administrative fees, invoiced through Stripe or recorded by hand."""
