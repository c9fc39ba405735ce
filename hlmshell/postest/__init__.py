"""Postestimation written once over any EstimationResult: test, lincom, nlcom (linear.py,
coefexpr.py) and margins, contrast, pwcompare (margins.py, contrasts.py).

They read only e(b), e(V), e(sample), the DF rule (t/F with e(df_r) when the result has
that scalar, else normal/chi2), `EstimationResult.xb_columns()`, `.link` and
`models.xb.design_from_names`, so every estimator that posts those works unchanged.
Numeric only: no printing (render/postest.py lays the results out).
"""
