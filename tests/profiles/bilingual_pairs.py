"""A small labelled set: German mentee goals and English mentor bios about the same topic (same index)."""

GERMAN = [
    "Ich möchte sicherer verhandeln, besonders bei Gehaltsgesprächen und mit Lieferanten.",
    "Ich will meine erste Teamleitung gut vorbereiten und lernen, wie man ein Team führt.",
    "Ich möchte besser präsentieren und vor großem Publikum frei sprechen können.",
    "Ich suche Unterstützung beim Einstieg in die Softwareentwicklung mit Python.",
    "Ich möchte ein eigenes Unternehmen gründen und einen Businessplan schreiben.",
    "Mir fällt es schwer, Beruf und Familie zu vereinbaren; ich suche eine bessere Balance.",
    "Ich will mehr über Datenanalyse und Statistik für Marketingentscheidungen lernen.",
    "Ich möchte nach der Elternzeit wieder in den Beruf einsteigen.",
    "Ich interessiere mich für nachhaltige Lieferketten und Umweltmanagement.",
    "Ich möchte meine Karriere in der Forschung planen und eine Promotion beginnen.",
    "Ich will lernen, Konflikte im Team konstruktiv zu lösen.",
    "Ich möchte mein Netzwerk in der Finanzbranche ausbauen und Controlling verstehen.",
]
ENGLISH = [
    "I coach people to negotiate with confidence, from salary talks to supplier contracts.",
    "I have led teams for ten years and help new team leads prepare for their first leadership role.",
    "I love helping people present well and speak freely in front of large audiences.",
    "Senior Python developer happy to guide newcomers into software development.",
    "Serial founder: I help people start their own company and write a business plan.",
    "As a parent of three I know how hard it is to balance work and family life.",
    "Data scientist who uses statistics and data analysis to drive marketing decisions.",
    "I support people returning to work after parental leave.",
    "I work on sustainable supply chains and environmental management.",
    "Professor who advises early researchers on academic careers and starting a PhD.",
    "Mediator who teaches how to resolve team conflicts constructively.",
    "Finance director with a wide network; I explain controlling and corporate finance.",
]
