"""Contract drift: loading a WSDL and its schemas (``wsdl``), the normalised contract model (``model``,
``xsd_walk``), comparing two models (``compare``) by the rules in ``rules``, and the ``drift`` command."""
