"""cmedebug: diagnose Cisco Secure CME failures from router and phone evidence."""

__version__ = "0.1.0"
