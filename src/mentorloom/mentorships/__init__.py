"""Mentorships: the relationship between a mentor and a mentee over months and years."""
