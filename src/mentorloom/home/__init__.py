"""The personal home: what is waiting for the signed-in person, their pairs, and what needs a coordinator."""
