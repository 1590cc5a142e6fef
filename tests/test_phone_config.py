"""SEP<mac>.cnf.xml: the security elements and their meanings; bad XML reported, not raised."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cmedebug.parsers.base import Context
from cmedebug.parsers.phone_config import ConfigError, PhoneConfigParser, mac_from_name, read_phone_config

# A CME-style per-phone file (cnf-file perphone), written by hand in the shape CME generates.
CME_CONFIG = b"""<?xml version="1.0" encoding="UTF-8"?>
<device>
<deviceProtocol>SCCP</deviceProtocol>
<devicePool>
<callManagerGroup>
<members>
<member priority="0">
<callManager>
<ports>
<ethernetPhonePort>2000</ethernetPhonePort>
<securedSipPort>5061</securedSipPort>
</ports>
<processNodeName>10.10.10.1</processNodeName>
</callManager>
</member>
</members>
</callManagerGroup>
</devicePool>
<loadInformation model="IP Phone 7962">SCCP42.9-4-2SR3-1S</loadInformation>
<deviceSecurityMode>3</deviceSecurityMode>
<capfAuthMode>1</capfAuthMode>
<authenticationString>246810</authenticationString>
<capfList>
<capf>
<phonePort>3804</phonePort>
<processNodeName>10.10.10.1</processNodeName>
</capf>
</capfList>
<certHash></certHash>
<encrConfig>false</encrConfig>
<secureServicesURL>https://10.10.10.1/services</secureServicesURL>
<TVS><members><member priority="0"><port>2445</port><address>10.10.10.2</address></member></members></TVS>
</device>
"""


def test_security_elements_and_meanings():
    cfg = read_phone_config(CME_CONFIG)
    f = cfg.fields()
    assert (f["device_security_mode"], f["device_security_mode_name"]) == (3, "encrypted")
    assert (f["capf_auth_mode"], f["capf_auth_mode_name"]) == (1, "auth-string")
    assert f["capf_servers"] == [{"host": "10.10.10.1", "port": 3804}]
    assert f["auth_string_present"] is True
    assert f["device_protocol"] == "SCCP"
    assert f["ports"] == {"ethernetPhonePort": 2000, "securedSipPort": 5061}
    assert f["call_managers"][0]["host"] == "10.10.10.1"
    assert (f["load_information"], f["load_model"]) == ("SCCP42.9-4-2SR3-1S", "IP Phone 7962")
    assert f["cert_hash"] is None and f["encr_config"] is False and f["full_config"] is None
    assert f["secure_urls"] == ["secureServicesURL"]
    assert f["tvs_servers"] == [{"address": "10.10.10.2", "port": 2445, "priority": "0"}]
    assert f["transport"] is None


def test_auth_string_value_never_reaches_the_fact():
    items = PhoneConfigParser().parse_file(CME_CONFIG, Context(path="cases/SEP000E325C9A43.cnf.xml"))
    assert len(items) == 1
    fact = items[0]
    assert fact.kind == "phone.config" and fact.fields["mac"] == "000E325C9A43"
    assert fact.fields["filename"] == "SEP000E325C9A43.cnf.xml"
    assert fact.fields["signed"] is False and fact.fields["verdict"] is None
    assert "246810" not in repr(fact.to_dict())


def test_sip_transport_and_unknown_codes():
    xml = (b"<device><deviceProtocol>SIP</deviceProtocol><transportLayerProtocol>4</transportLayerProtocol>"
           b"<deviceSecurityMode>7</deviceSecurityMode><capfAuthMode>0</capfAuthMode></device>")
    f = read_phone_config(xml).fields()
    assert f["transport_name"] == "TCP/UDP"
    assert f["device_security_mode_name"] == "code 7"
    assert f["capf_auth_mode_name"] == "none" and f["auth_string_present"] is False


@pytest.mark.parametrize("xml, message", [
    (b"<device><deviceSecurityMode>2</device>", "line 1"),
    (b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'x'>]><device>&a;</device>", "DTD"),
    (b"<phone><x/></phone>", "<phone>"),
])
def test_bad_xml_is_a_clear_error(xml, message):
    with pytest.raises(ConfigError, match=message):
        read_phone_config(xml)


def test_bad_xml_becomes_an_error_fact_and_a_warning():
    ctx = Context(path="SEP001122334455.cnf.xml")
    (fact,) = PhoneConfigParser().parse_file(b"<device><oops></device>", ctx)
    assert fact.fields["error"].startswith("not well-formed XML")
    assert fact.fields["mac"] == "001122334455"
    assert ctx.warnings and "SEP001122334455.cnf.xml" in ctx.warnings[0]


def test_sniff_by_content_not_only_name():
    parser = PhoneConfigParser()
    assert parser.sniff_bytes(CME_CONFIG[:4096], "upload.bin") >= 0.5
    assert parser.sniff_bytes(b"Router#show clock\n", "SEP001122334455.cnf.xml") == 0.0
    assert parser.sniff_bytes(b"<html><body/></html>", "x.xml") == 0.0


def test_mac_from_name():
    assert mac_from_name("tftp/SEP000e325c9a43.cnf.xml.sgn") == "000E325C9A43"
    assert mac_from_name("XMLDefault.cnf.xml") is None


@settings(max_examples=150, deadline=2000)
@given(data=st.one_of(st.binary(max_size=300),
                      st.text(alphabet="<>/=\"' &;!?-abcdeviSMx0123", max_size=200).map(str.encode),
                      st.text(max_size=100).map(
                          lambda t: f"<device><capfAuthMode>{t}</capfAuthMode></device>".encode())))
@example(data="<device><capfAuthMode>\u00b2</capfAuthMode><ports><sipPort>\u0663</sipPort></ports></device>".encode())
def test_any_bytes_read_or_fail_with_config_error(data):
    try:
        cfg = read_phone_config(data)
    except ConfigError as exc:
        assert str(exc)
        return
    assert cfg.capf_auth_mode is None or isinstance(cfg.capf_auth_mode, int)
