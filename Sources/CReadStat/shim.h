// ReadStat (Debian libreadstat-dev): readers for Stata .dta, SPSS .sav, SAS .sas7bdat and SAS
// transport (.xpt) files, used by CohortData.StatisticalFileReader.
#ifndef COUNTERFACTUAL_CREADSTAT_SHIM_H
#define COUNTERFACTUAL_CREADSTAT_SHIM_H

#include <readstat.h>

#endif
