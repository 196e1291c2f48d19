"""Contracts: the fairness gate, the notice of intent to award, protests, the final award and purchase orders."""
