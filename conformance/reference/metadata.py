"""What the reference endpoint publishes at ``?wsdl`` and ``?xsd=xsdN``, as WCF does: the shipped WSDL with its
schema imports pointing at ``?xsd=xsd0``, ``?xsd=xsd1`` … and its address set to the service's URL."""

from __future__ import annotations

import re

from ..contract.schemas import schema_path


def contract_document(wsdl: str, schemas: tuple[str, ...], url: str, query: str) -> bytes | None:
    """The document ``query`` asks for (``wsdl``, ``xsd=xsd0`` …) of a service at ``url`` whose WSDL is ``wsdl``
    and whose schemas are ``schemas`` (in ``xsdN`` order), or ``None`` for any other query."""
    wanted = query.lower()
    if wanted == "wsdl" or wanted.startswith("wsdl&"):
        text = schema_path(wsdl).read_text(encoding="utf-8")
        text = text.replace(f'schemaLocation="{schemas[0]}"', 'schemaLocation="?xsd=xsd0"')
        return re.sub(r'location="[^"]*"', f'location="{url}"', text).encode("utf-8")
    for index, name in enumerate(schemas):
        if wanted == f"xsd=xsd{index}":
            text = schema_path(name).read_text(encoding="utf-8")
            for other, imported in enumerate(schemas):
                text = text.replace(f'schemaLocation="{imported}"', f'schemaLocation="{url}?xsd=xsd{other}"')
            return text.encode("utf-8")
    return None
