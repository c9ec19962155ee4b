"""Statistical tests: the model against closed forms, within Monte Carlo error."""
