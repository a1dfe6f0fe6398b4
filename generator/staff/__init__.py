"""Tools for staff, never imported by the build: the fictional demo data (`demo`, `demo_text`),
Excel intake, export and the blank templates (`xlsx_import`, `xlsx_export`, `xlsx_templates`), a
draft report for one deputy (`new_report`), a Word report as a report's body (`word_import`), validation results as CI annotations
(`ci_annotations`), and all-or-nothing writes into the data folder (`safe_write`). They may
import the data layer (descriptor, model, dictionary, validate); nothing outside this package
imports them except the command-line dispatch in `generator/cli.py`.
"""
