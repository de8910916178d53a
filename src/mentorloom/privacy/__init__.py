"""GDPR: a person's data export, erasure on request, and retention of ended mentorships."""
