// libxlsxwriter (Debian libxlsxwriter-dev), used by Spreadsheets to write .xlsx workbooks.
#ifndef COUNTERFACTUAL_CXLSXWRITER_SHIM_H
#define COUNTERFACTUAL_CXLSXWRITER_SHIM_H

#include <xlsxwriter.h>

#endif
