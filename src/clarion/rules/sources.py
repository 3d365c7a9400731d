"""Where a rule's law is read: its primary source, and the domains that count.

Every regulatory and contractual rule names the text of its law (or, for a
card scheme's rule, the scheme's own document) in ``primary:``: the article
or section, the official URL, a short quote of the operative sentence, what
was read and when, and ``verified: true`` only when the official text itself
was read. Secondary reading (a law firm's summary, a copy on another site)
stays in ``source`` and never makes a rule verified.

:data:`PRIMARY_DOMAINS` is the documented list of official publishers
(docs/rulebook.md shows it); a test fails when a rule in force cites any
other domain as its primary source.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

#: Official publishers of the texts the rulebook applies, by jurisdiction.
PRIMARY_DOMAINS: dict[str, str] = {
    "eur-lex.europa.eu": "EU: Official Journal and consolidated law (EUR-Lex)",
    "legislation.gov.uk": "UK: legislation.gov.uk (The National Archives)",
    "ecfr.gov": "US federal: Electronic Code of Federal Regulations",
    "federalregister.gov": "US federal: the Federal Register",
    "govinfo.gov": "US federal: U.S. Code and Federal Register (GPO)",
    "sec.gov": "US: Securities and Exchange Commission",
    "ftc.gov": "US: Federal Trade Commission",
    "fcc.gov": "US: Federal Communications Commission",
    "acquisition.gov": "US: Federal Acquisition Regulation and DFARS",
    "dfs.ny.gov": "New York: Department of Financial Services (23 NYCRR 500)",
    "leg.colorado.gov": "Colorado: General Assembly (C.R.S.)",
    "leg.state.fl.us": "Florida: Legislature (Florida Statutes)",
    "app.leg.wa.gov": "Washington: Legislature (RCW)",
    "statutes.capitol.texas.gov": "Texas: Legislature (Texas Statutes)",
    "leginfo.legislature.ca.gov": "California: Legislature (codes)",
    "azleg.gov": "Arizona: Legislature (A.R.S.)",
    "cga.ct.gov": "Connecticut: General Assembly (General Statutes)",
    "delcode.delaware.gov": "Delaware: Code Online",
    "legislature.maine.gov": "Maine: Legislature (M.R.S.)",
    "mgaleg.maryland.gov": "Maryland: General Assembly (Code)",
    "nmonesource.com": "New Mexico: NMOneSource (official NMSA)",
    "codes.ohio.gov": "Ohio: Laws and Administrative Rules",
    "oregonlegislature.gov": "Oregon: Legislature (ORS)",
    "rilegislature.gov": "Rhode Island: General Assembly (General Laws)",
    "sdlegislature.gov": "South Dakota: Legislature (SDCL)",
    "legislature.vermont.gov": "Vermont: General Assembly (V.S.A.)",
    "docs.legis.wisconsin.gov": "Wisconsin: Legislature (Statutes)",
    "legislature.state.al.us": "Alabama: Legislature (Code of Alabama)",
    "iga.in.gov": "Indiana: General Assembly (Indiana Code)",
    "legis.la.gov": "Louisiana: State Legislature (Revised Statutes)",
    "nysenate.gov": "New York: State Senate (Consolidated Laws)",
    "ag.state.la.us": "Louisiana: Attorney General (its breach-reporting rule, LAC 16:III.701)",
    "legis.iowa.gov": "Iowa: Legislature (Iowa Code)",
    "arkleg.state.ar.us": "Arkansas: General Assembly (Acts)",
    "oklegislature.gov": "Oklahoma: Legislature (bills and enrolled acts)",
    "capitol.tn.gov": "Tennessee: General Assembly (bills and public chapters)",
    "planalto.gov.br": "Brazil: Presidency (federal laws)",
    "in.gov.br": "Brazil: Diário Oficial da União (ANPD resolutions)",
    "legislation.gov.au": "Australia: Federal Register of Legislation",
    "apra.gov.au": "Australia: Prudential Regulation Authority (prudential standards)",
    "laws-lois.justice.gc.ca": "Canada: Justice Laws",
    "osfi-bsif.gc.ca": "Canada: Office of the Superintendent of Financial Institutions",
    "sso.agc.gov.sg": "Singapore: Statutes Online",
    "mas.gov.sg": "Singapore: Monetary Authority (notices)",
    "fedlex.admin.ch": "Switzerland: Fedlex (federal law)",
    "elaws.e-gov.go.jp": "Japan: e-Gov law search",
    "ppc.go.jp": "Japan: Personal Information Protection Commission",
    "law.go.kr": "South Korea: National Law Information Center",
    "cac.gov.cn": "China: Cyberspace Administration",
    "meity.gov.in": "India: Ministry of Electronics and IT (DPDP Rules)",
    "cert-in.org.in": "India: CERT-In (directions)",
    "visa.com": "Visa's own rules and guides (contractual)",
    "visa.fi": "Visa's own rules and guides, Finnish site in English (contractual)",
    "mastercard.us": "Mastercard's own rules and guides (contractual)",
}


@dataclass(frozen=True, slots=True)
class Primary:
    """The primary text of a rule, and how far it was read."""

    cite: str  # article or section, e.g. "GDPR Art. 33(1)"
    url: str
    quote: str = ""  # the operative sentence, short
    read: str = ""  # what was read, and when
    verified: bool = False  # the official text itself was read

    @property
    def domain(self) -> str:
        return urlsplit(self.url).hostname or ""


def primary_domain(url: str) -> str | None:
    """The :data:`PRIMARY_DOMAINS` entry ``url`` belongs to (subdomains count)."""
    host = (urlsplit(url).hostname or "").lower()
    for domain in PRIMARY_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def parse_primary(data: object) -> Primary:
    if not isinstance(data, dict):
        raise ValueError("primary must be a mapping with cite, url, quote, read, verified")
    unknown = set(data) - {"cite", "url", "quote", "read", "verified"}
    if unknown:
        raise ValueError(f"primary: unknown keys {sorted(unknown)}")
    if "verified" not in data or not isinstance(data["verified"], bool):
        raise ValueError("primary: verified must be true or false")
    for key in ("cite", "url"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ValueError(f"primary: missing {key}")
    primary = Primary(
        cite=data["cite"].strip(),
        url=data["url"].strip(),
        quote=str(data.get("quote") or "").strip(),
        read=str(data.get("read") or "").strip(),
        verified=data["verified"],
    )
    if primary.verified and not (primary.quote and primary.read):
        raise ValueError(
            "primary: a verified rule quotes its operative sentence and says what was read"
        )
    return primary
