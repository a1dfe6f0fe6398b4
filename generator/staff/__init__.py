"""Tools for staff, never imported by the build: the fictional demo data (`demo`, `demo_text`),
Excel intake and its blank templates (`xlsx_import`, `xlsx_templates`), a draft report for one
deputy (`new_report`) and validation results as CI annotations (`ci_annotations`). They may
import the data layer (descriptor, model, dictionary, validate); nothing outside this package
imports them except the command-line dispatch in `generator/cli.py`.
"""
