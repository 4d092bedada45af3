"""The Services82 Reject contract: SOAP versions and names, the published WSDL and what the suite extracts from it,
the rules checks cite, building and reading messages, safe parsing, compiled schemas, which ids may be rejected,
and keeping secrets out of what is written."""
