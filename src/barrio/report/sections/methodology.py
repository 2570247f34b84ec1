"""Section "Methodology annex": how each figure was produced, with references."""

from __future__ import annotations

from barrio import __version__
from barrio.i18n import _
from barrio.report import public
from barrio.report.gather import ReportContext
from barrio.report.model import Section

REFERENCES = (
    "UNODC (2015). International Classification of Crime for Statistical Purposes (ICCS), v1.0.",
    "UN-Habitat / UNODC / Government of Querétaro (2021). Local Safety Audit of the "
    "municipality of Querétaro.",
    "Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28.",
    "Getis, A. and Ord, J. K. (1992, 1995). Local spatial autocorrelation statistics.",
    "Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57.",
    "Bernasco, W. and Steenbeek, W. (2017). More places than crimes: implications for "
    "evaluating the law of crime concentration at place. J. Quant. Criminol. 33.",
    "Noufaily, A. et al. (2013). An improved algorithm for outbreak detection in multiple "
    "surveillance systems. Stat. Med. 32.",
    "INEGI. Encuesta Nacional de Victimización y Percepción sobre Seguridad Pública (ENVIPE): "
    "nota técnica de precisión (CV bands).",
    "Statistics Canada / Open SDG (2025). Progress measurement methodology for the SDGs.",
    "Jenks, G. F. (1967). The data model concept in statistical mapping (natural breaks).",
)


def build(ctx: ReportContext) -> Section:
    """Methods of every section, the disclosure rule of public reports, and references."""
    section = Section("methodology", _("Methodology annex"))
    section.paragraphs.extend([
        _("Crimes are classified to the ICCS; rates are per 100,000 inhabitants of the period's "
          "population (census and projection years interpolated linearly) with exact Poisson "
          "(Garwood) 95 % intervals; changes are tested with the exact conditional test of two "
          "Poisson rates."),
        _("Hot spots: Getis-Ord Gi* (binary queen contiguity including the cell itself) on a "
          "square grid, two-sided analytical p-values with Benjamini-Hochberg control of the "
          "false discovery rate at 5 %. Concentration: Lorenz curve, Gini and generalized Gini "
          "over grid cells."),
        _("Maps are classed with Fisher-Jenks natural breaks (rates) or quantiles (the priority "
          "index), as each legend states; areas without a value are white."),
        _("Priority neighbourhoods: percentile pillars combined by geometric mean, ranked; "
          "stability from perturbed weights and data."),
        _("Risk matrix: threat x vulnerability / capacity per neighbourhood and theme, each on "
          "1-5, from police records and the coded participatory findings."),
        _("Produced by Barrio {version}.", version=__version__),
    ])  # fmt: skip
    if ctx.public:
        section.paragraphs.append(public.method_note(public.threshold(ctx.ws)))
    return section
