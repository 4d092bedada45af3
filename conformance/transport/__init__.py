"""Sending requests and recording raw exchanges: pooled HTTP (``http``), one deadline per exchange
(``deadline``), and every way the network can fail as a one-line ``TransportFailure`` (``failures``)."""
