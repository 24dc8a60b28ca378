"""Postmortems: drafted from the incident when it is resolved, reviewed, published."""
