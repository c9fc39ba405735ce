"""hlmshell: a Stata-like shell for multilevel linear models."""
