"""Poisson lab: counts whose rate grows with x, a log-rate line, Poisson NLL against MSE on the counts."""

from losslab.ui.lab_view import page

page("poisson")
