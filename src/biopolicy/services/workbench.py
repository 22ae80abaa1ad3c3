"""What the workbench (``/workbench``) needs beyond the roles: the pages whose services decide by more
than a role (whose hospital, which department), so the workbench never lists a page that would
refuse its reader. The pages themselves and their words are the web's (web/pages/workbench.py).
"""

from __future__ import annotations

from biopolicy.services import duties, watchlist
from biopolicy.services.accounts import Principal, Role
from biopolicy.storage.uow import UnitOfWork


def refused_pages(uow: UnitOfWork, principal: Principal) -> set[str]:
    """The paths of pages the reader's roles open but the service would refuse them (read only)."""
    refused: set[str] = set()
    try:
        duties.may_use(uow, principal)  # hospitals' staff, the health commission, auditors
    except duties.DutyForbidden:
        refused |= {"/duties", "/ethics"}
    if not duties.sees_all(principal):
        refused.add("/duties/overview")
    if not watchlist.sees_all(principal):
        refused.add("/watchlist")  # the province-wide list: 省药监局, administrators, auditors
        own = principal.has(Role.applicant) and principal.organisation_id is not None
        if not (own or principal.has(Role.service_officer)):
            refused.add("/products")  # another department's reviewer has no products of its own
    return refused
