"""Request and response models of engagement, one module per feature."""
