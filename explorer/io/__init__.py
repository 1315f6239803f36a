"""Reading what comes from outside: photos, data sets, ImageNet class names, weight files."""
