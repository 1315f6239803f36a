"""Networks: the backbone registry, classifier heads, parameter accounting and exported code."""
