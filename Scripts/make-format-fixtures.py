#!/usr/bin/env python3
"""Writes Tests/Fixtures/formats/: one small cohort and its offence records, each as CSV and as
Stata .dta, SPSS .sav and SAS transport .xpt (written with pyreadstat, which wraps ReadStat's
writers), and as gzip-compressed CSV. The tests read every version and require byte-identical
matches.csv and decisions.csv, so the versions must hold the same data:

- rows: every twentieth person of Datasets/peterborough/cohort.csv (ids ending in 00, 20, 40, 60 or 80) and their
  offence records, plus three records of ids not in the cohort file;
- gender and offence_group are numeric codes with value labels in .dta and .sav (the labels are
  the CSV's text); strings in .xpt, which has no value labels; ethnicity is a string everywhere;
- risk_score is missing for every 37th person: an empty CSV cell; in .dta alternately system
  missing (.) and extended missing (.a); in .sav alternately system missing and the user-missing
  code -9; in .xpt system missing;
- dates are numeric variables with a date format (%td in Stata, DATE11 in SPSS, DATE9 in SAS).

Needs Python 3 with pandas and pyreadstat (pip install pyreadstat). Tests never run this script:
its outputs are committed. Run from the repository root: python3 Scripts/make-format-fixtures.py
"""
import csv
import datetime
import gzip
import os

import pandas as pd
import pyreadstat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "Datasets", "peterborough")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "formats")
os.makedirs(OUT, exist_ok=True)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


cohort = [r for r in read_csv(os.path.join(SOURCE, "cohort.csv")) if r["id"][-2] in "02468" and r["id"].endswith("0")]
ids = {r["id"] for r in cohort}
events = [r for r in read_csv(os.path.join(SOURCE, "events.csv")) if r["id"] in ids]
events += [
    {"id": "X1", "offence_date": "2011-03-01", "conviction_date": "2011-05-02", "disposal": "fine", "seriousness": "1"},
    {"id": "X2", "offence_date": "2012-01-10", "conviction_date": "2012-02-11", "disposal": "caution", "seriousness": "1"},
    {"id": "X1", "offence_date": "2012-06-01", "conviction_date": "2012-09-03", "disposal": "custody", "seriousness": "3"},
]
missing_rows = [k for k in range(len(cohort)) if k % 37 == 5]
for k in missing_rows:
    cohort[k]["risk_score"] = ""

# CSV and gzip-compressed CSV (gzip header without a file name or time, so the bytes are stable).
for name, rows in (("cohort", cohort), ("events", events)):
    columns = list(rows[0].keys())
    text = ",".join(columns) + "\n" + "".join(",".join(r[c] for c in columns) + "\n" for r in rows)
    with open(os.path.join(OUT, name + ".csv"), "w", newline="") as f:
        f.write(text)
    with open(os.path.join(OUT, name + ".csv.gz"), "wb") as f:
        f.write(gzip.compress(text.encode(), mtime=0))

numeric = ["treat", "age", "sentence_months", "prior_convictions", "prior_custodial", "prior_breaches",
           "years_since_first", "employed", "housed", "risk_score", "true_propensity", "reconvictions"]


def date(text):
    return datetime.date.fromisoformat(text)


def frame(rows, dates, numbers):
    data = {}
    for c in rows[0].keys():
        values = [r[c] for r in rows]
        if c in dates:
            data[c] = [date(v) for v in values]
        elif c in numbers:
            data[c] = [float(v) if v != "" else float("nan") for v in values]
        else:
            data[c] = values
    return pd.DataFrame(data, columns=list(rows[0].keys()))


def coded(df, column):
    levels = sorted(set(df[column]))
    codes = {text: k + 1 for k, text in enumerate(levels)}
    df[column] = [float(codes[v]) for v in df[column]]
    return {k + 1: text for k, text in enumerate(levels)}


cohort_df = frame(cohort, {"release_date"}, set(numeric))
events_df = frame(events, {"offence_date", "conviction_date"}, {"seriousness"})
missing_mask = [k in missing_rows for k in range(len(cohort))]

# Stata: labelled codes; risk_score missing as . and .a alternately.
stata = cohort_df.copy()
labels = {"gender": coded(stata, "gender"), "offence_group": coded(stata, "offence_group")}
stata["risk_score"] = stata["risk_score"].astype(object)
for n, k in enumerate(missing_rows):
    if n % 2 == 1:
        stata.at[k, "risk_score"] = "a"
pyreadstat.write_dta(stata, os.path.join(OUT, "cohort.dta"), variable_value_labels=labels,
                     missing_user_values={"risk_score": ["a"]}, variable_format={"release_date": "%td"})
pyreadstat.write_dta(events_df, os.path.join(OUT, "events.dta"),
                     variable_format={"offence_date": "%td", "conviction_date": "%td"})

# SPSS: labelled codes; risk_score missing as system missing and user-missing -9 alternately.
spss = cohort_df.copy()
labels = {"gender": coded(spss, "gender"), "offence_group": coded(spss, "offence_group")}
for n, k in enumerate(missing_rows):
    if n % 2 == 1:
        spss.at[k, "risk_score"] = -9.0
pyreadstat.write_sav(spss, os.path.join(OUT, "cohort.sav"), variable_value_labels=labels,
                     missing_ranges={"risk_score": [-9.0]}, variable_format={"release_date": "DATE11"})
pyreadstat.write_sav(events_df, os.path.join(OUT, "events.sav"),
                     variable_format={"offence_date": "DATE11", "conviction_date": "DATE11"})

# SAS transport (version 8: names longer than 8 characters); no value labels.
pyreadstat.write_xport(cohort_df, os.path.join(OUT, "cohort.xpt"), table_name="COHORT", file_format_version=8,
                       variable_format={"release_date": "DATE9"})
pyreadstat.write_xport(events_df, os.path.join(OUT, "events.xpt"), table_name="EVENTS", file_format_version=8,
                       variable_format={"offence_date": "DATE9", "conviction_date": "DATE9"})

# ReadStat writes the creation time into .dta, .sav and .xpt headers, so a re-run changes their bytes
# (never their data).
print(f"{len(cohort)} people, {len(events)} offence records, risk_score missing for {len(missing_rows)}")

# Rate-card outcome events (Datasets/rate-card-example/events.csv) as Stata, for `ratecard --events`.
ratecard = read_csv(os.path.join(ROOT, "Datasets", "rate-card-example", "events.csv"))
pyreadstat.write_dta(frame(ratecard, {"achieved_on"}, set()), os.path.join(OUT, "ratecard-events.dta"),
                     variable_format={"achieved_on": "%td"})
print(f"{len(ratecard)} rate-card outcome events")
