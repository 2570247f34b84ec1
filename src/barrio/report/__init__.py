"""Findings, monitoring and assessment reports: HTML, PDF and Excel.

A report is built in three steps that stay apart:

1. *gathering* (``findings.py``, ``monitoring.py``, ``assessment.py`` and the section modules
   they call) reads the workspace through the same services as the commands (indicators,
   priority selection, hotspots, alerts, the audit store) into a
   :class:`~barrio.report.model.Report` of sections, tables and figures;
2. *drawing* (``charts.py``, ``maps.py``) turns data frames into PNG figures with matplotlib
   (Agg), choropleths classed with mapclassify;
3. *rendering* (``render_html.py``, ``render_pdf.py``, ``workbook.py``) writes one
   self-contained HTML file (CSS and images inlined), the PDF of that same HTML (WeasyPrint), or
   an Excel workbook with one sheet per table.

Nothing heavy is imported here: matplotlib, WeasyPrint and openpyxl load inside the functions
that use them. The entry point is :func:`barrio.report.service.build_report`.
"""
