"""The e-mail texts of each event type, in Azerbaijani and English (notify/ cannot use the portal's
catalogs under web/; the table is small and kept here, as accounts/mail.py keeps its own).

A text names only the tenant's own objects by id and their states: no secrets, and no personal
data — a visitor is "a visitor" with an id, never a name.
"""

# Azerbaijani is written with the dotless i (U+0131).
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

from colo.outbox import EventType

DEFAULT_LANGUAGE = "az"
LANGUAGES = ("az", "en")

# (subject, body) per event type and language; `{…}` are fields of the event's payload.
TEXTS: dict[EventType, dict[str, tuple[str, str]]] = {
    EventType.ORDER_STATE_CHANGED: {
        "en": ("Order {order_id}: {to_state}", "Your {kind} order {order_id} moved from {from_state} to {to_state}."),
        "az": ("Sifariş {order_id}: {to_state}", "{kind} sifarişiniz {order_id} {from_state} vəziyyətindən "
               "{to_state} vəziyyətinə keçdi."),
    },
    EventType.LOA_REQUESTED: {
        "en": ("LOA {loa_id} awaits your decision", "A cross-connect to one of your ports asks for your LOA "
               "{loa_id} (order {order_id}). Grant or refuse it in the portal."),
        "az": ("LOA {loa_id} qərarınızı gözləyir", "Portlarınızdan birinə kross-bağlantı üçün LOA {loa_id} "
               "(sifariş {order_id}) tələb olunur. Onu portalda təsdiq edin və ya rədd edin."),
    },
    EventType.LOA_GRANTED: {
        "en": ("LOA {loa_id} granted", "The LOA {loa_id} for your order {order_id} was granted."),
        "az": ("LOA {loa_id} təsdiq edildi", "Sifarişiniz {order_id} üçün LOA {loa_id} təsdiq edildi."),
    },
    EventType.LOA_REFUSED: {
        "en": ("LOA {loa_id} refused", "The LOA {loa_id} for your order {order_id} was refused."),
        "az": ("LOA {loa_id} rədd edildi", "Sifarişiniz {order_id} üçün LOA {loa_id} rədd edildi."),
    },
    EventType.VISIT_DECIDED: {
        "en": ("Visit {visit_id}: {status}", "Your visit request {visit_id} was {status}."),
        "az": ("Ziyarət {visit_id}: {status}", "Ziyarət sorğunuz {visit_id} üzrə qərar: {status}."),
    },
    EventType.VISITOR_CHECKED_IN: {
        "en": ("A visitor of visit {visit_id} arrived", "Visitor {visitor_id} of visit {visit_id} checked in at {at}."),
        "az": ("Ziyarət {visit_id} üzrə qonaq gəldi", "Ziyarət {visit_id} üzrə qonaq {visitor_id} {at} "
               "tarixində daxil oldu."),
    },
    EventType.VISITOR_CHECKED_OUT: {
        "en": ("A visitor of visit {visit_id} left", "Visitor {visitor_id} of visit {visit_id} checked out at {at}."),
        "az": ("Ziyarət {visit_id} üzrə qonaq getdi", "Ziyarət {visit_id} üzrə qonaq {visitor_id} {at} "
               "tarixində çıxdı."),
    },
    EventType.SHIPMENT_UPDATED: {
        "en": ("Shipment {shipment_id}: {action}", "Your shipment {shipment_id}: {action} at {at}."),
        "az": ("Göndəriş {shipment_id}: {action}", "Göndərişiniz {shipment_id}: {action}, {at}."),
    },
    EventType.ENDPOINT_DISABLED: {
        "en": ("Webhook endpoint {endpoint_id} disabled", "Your webhook endpoint {endpoint_id} has failed since "
               "{failing_since} and was disabled. Fix it, then enable it again in Colo."),
        "az": ("Webhook ünvanı {endpoint_id} söndürüldü", "Webhook ünvanınız {endpoint_id} {failing_since} "
               "tarixindən bəri uğursuzdur və söndürüldü. Düzəldin və Colo-da yenidən aktiv edin."),
    },
    EventType.NOTICE_PUBLISHED: {
        "en": ("{kind} notice: {summary}", "A {kind} ({status}) from {starts_at} to {ends_at} affects your "
               "services: {affected}."),
        "az": ("Bildiriş ({kind}): {summary}", "{starts_at} – {ends_at} arasında {kind} ({status}) "
               "xidmətlərinizə təsir edir: {affected}."),
    },
    EventType.NOTICE_UPDATED: {
        "en": ("Notice updated ({status}): {summary}", "The {kind} notice was updated: {status}, {starts_at} to "
               "{ends_at}. Your affected services: {affected}."),
        "az": ("Bildiriş yeniləndi ({status}): {summary}", "{kind} bildirişi yeniləndi: {status}, {starts_at} – "
               "{ends_at}. Təsirə məruz qalan xidmətləriniz: {affected}."),
    },
}

# Service-desk tickets: one sentence per transition, naming the ticket by id (the title and texts
# stay on the ticket, where the tenant reads them).
_TICKET_TEXTS: dict[EventType, tuple[str, str, str, str]] = {  # en subject, en body, az subject, az body
    EventType.TICKET_SUBMITTED: ("Ticket {ticket_id} submitted", "Your {kind} ticket {ticket_id} was submitted.",
                                 "Müraciət {ticket_id} göndərildi", "{kind} müraciətiniz {ticket_id} göndərildi."),
    EventType.TICKET_ACCEPTED: ("Ticket {ticket_id} accepted", "Your {kind} ticket {ticket_id} was accepted.",
                                "Müraciət {ticket_id} qəbul edildi", "{kind} müraciətiniz {ticket_id} qəbul edildi."),
    EventType.TICKET_IN_PROGRESS: ("Ticket {ticket_id} in progress", "Work on your {kind} ticket {ticket_id} "
                                   "has started.", "Müraciət {ticket_id} icradadır",
                                   "{kind} müraciətiniz {ticket_id} üzrə işə başlanıldı."),
    EventType.TICKET_ACTION_REQUIRED: ("Ticket {ticket_id} needs your answer", "Your {kind} ticket {ticket_id} "
                                       "waits for your answer. Reply in the portal.",
                                       "Müraciət {ticket_id} cavabınızı gözləyir", "{kind} müraciətiniz "
                                       "{ticket_id} cavabınızı gözləyir. Portalda cavab verin."),
    EventType.TICKET_CUSTOMER_UPDATED: ("Ticket {ticket_id} answered", "Your answer on {kind} ticket {ticket_id} "
                                        "was recorded.", "Müraciət {ticket_id} cavablandırıldı",
                                        "{kind} müraciətiniz {ticket_id} üzrə cavabınız qeydə alındı."),
    EventType.TICKET_COMPLETED: ("Ticket {ticket_id} completed", "Your {kind} ticket {ticket_id} was completed.",
                                 "Müraciət {ticket_id} tamamlandı", "{kind} müraciətiniz {ticket_id} tamamlandı."),
    EventType.TICKET_CANCELLED: ("Ticket {ticket_id} cancelled", "Your {kind} ticket {ticket_id} was cancelled.",
                                 "Müraciət {ticket_id} ləğv edildi", "{kind} müraciətiniz {ticket_id} ləğv edildi."),
    EventType.TICKET_REOPENED: ("Ticket {ticket_id} reopened", "Your {kind} ticket {ticket_id} was reopened.",
                                "Müraciət {ticket_id} yenidən açıldı", "{kind} müraciətiniz {ticket_id} yenidən "
                                "açıldı."),
    EventType.TICKET_NOTE_ADDED: ("Ticket {ticket_id}: work note", "A work note was added to your {kind} ticket "
                                  "{ticket_id} ({state}).", "Müraciət {ticket_id}: iş qeydi",
                                  "{kind} müraciətiniz {ticket_id} ({state}) üçün iş qeydi əlavə edildi."),
}
TEXTS[EventType.POWER_OVER_CONTRACT] = {
    "en": ("Power above your contract", "Your racks draw {drawn_w} W, above the {contracted_w} W you contracted "
           "(since {at})."),
    "az": ("Enerji sərfiyyatı müqavilədən yuxarıdır", "Rəklərinizin sərfiyyatı {drawn_w} W-dır, müqavilədəki "
           "{contracted_w} W-dan çoxdur ({at} tarixindən)."),
}
TEXTS[EventType.ACCESS_ALERT_RAISED] = {
    "en": ("Site access alert on visit {visit_id}", "Site access alert ({kind}) on your visit {visit_id}, "
           "visitor {visitor_id}, at {at}."),
    "az": ("Ziyarət {visit_id} üzrə giriş xəbərdarlığı", "Ziyarətiniz {visit_id} üzrə giriş xəbərdarlığı "
           "({kind}), qonaq {visitor_id}, {at}."),
}
TEXTS.update({type: {"en": (en_subject, en_body), "az": (az_subject, az_body)}
              for type, (en_subject, en_body, az_subject, az_body) in _TICKET_TEXTS.items()})


def _affected(data: dict[str, Any]) -> str:
    racks = [f"{r['rack']} ({'/'.join(r['sides_lost']) or 'rack'}{'' if r['keeps_power'] else ', no power'})"
             for r in data.get("racks", [])]
    links = [f"cross-connect {c['order_id']} ({c['end']})" for c in data.get("cross_connects", [])]
    return ", ".join(racks + links) or "—"


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def compose(event_type: str, data: dict[str, Any], *, language: str, facility: str) -> tuple[str, str]:
    """(subject, body) of the e-mail about one event."""
    texts = TEXTS[EventType(event_type)]
    subject, body = texts.get(language, texts[DEFAULT_LANGUAGE])
    fields = _Fields({k: str(v) for k, v in data.items()})
    if "notice_id" in data:
        fields["affected"] = _affected(data)
    footer = {"en": "You receive this because you subscribed to these notices.",
              "az": "Bu bildirişlərə abunə olduğunuz üçün bu məktubu alırsınız."}[
        language if language in LANGUAGES else DEFAULT_LANGUAGE]
    return (f"[{facility}] " + subject.format_map(fields),
            body.format_map(fields) + f"\n\n{facility}\n{footer}\n")
