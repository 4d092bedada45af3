"""Contract conformance suite for SuperOffice NetServer Services82 Appointment.svc: Reject."""

__version__ = "0.1.0"
