"""Help articles and support tickets."""
