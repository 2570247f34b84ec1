"""The audit workflow of a Local Safety Audit.

Participatory diagnosis (activities and coded findings, codebook, inter-coder agreement), risk
matrix, the recommendations register with its status events and monitoring summary, and the
four-stage strategy assessment. Records live in the application store (:mod:`barrio.store`);
the computations here take and return dataframes.
"""
