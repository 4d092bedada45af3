"""Writers that turn case results into reports: Allure, summary.json, reproductions, the HTML report."""
