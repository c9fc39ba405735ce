"""The handout's models as ModelSpecs (shared by the tests and the benchmark)."""
from hlmshell.models import Factor, ModelSpec, RandomLevel, Term

C = lambda v: Term((Factor(v),))  # noqa: E731
SES_X_SECTOR = (C("ses"), Term((Factor("sector", True),)), Term((Factor("ses"), Factor("sector", True))))
SES_X_SECTOR_B1 = (C("ses"), Term((Factor("sector", True, 1),)),
                   Term((Factor("ses"), Factor("sector", True, 1))))
RI = (RandomLevel("id"),)
RS = (RandomLevel("id", ("ses",), covariance="unstructured"),)

MODELS = {
    "m0": ModelSpec("mathach", (), RI),
    "m1": ModelSpec("mathach", (C("ses"),), RI),
    "m2": ModelSpec("mathach", (C("ses"),), RS),
    "m3": ModelSpec("mathach", (C("sector"),), RI),
    "m4": ModelSpec("mathach", (C("ses"), C("sector")), RS),
    "m5": ModelSpec("mathach", SES_X_SECTOR, RS),
    "m5b": ModelSpec("mathach", SES_X_SECTOR_B1, RS),
    "m6": ModelSpec("mathach", SES_X_SECTOR, RI),
}
