"""Complex-survey estimation: designs, linearisation, replicate weights, calibration, domains.

Pure computation on DataFrames and arrays (no CLI or web imports). Validated against R's
``survey`` package (see ``tests/survey``) and documented in ``docs/survey.md``.
"""

from barrio.survey.design import SurveyDesign, svydesign
from barrio.survey.estimators import estimate
from barrio.survey.quality import Estimate

__all__ = ["Estimate", "SurveyDesign", "estimate", "svydesign"]
