"""The service desk: smart-hands requests and trouble tickets, their SLA clocks, attachments and
the monthly report. A domain of its own beside dcim/ and siteaccess/ (it imports neither): the
plant objects a ticket names are checked at the API's assembly point, with the dcim read model.
"""
