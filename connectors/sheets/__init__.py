"""Google Sheets: the accounts tab, the model tabs and the Status/Report tabs."""
