"""Evaluation: the cooperative's scores of opened bids on the RFP's non-price criteria, and what they make of each bid."""
