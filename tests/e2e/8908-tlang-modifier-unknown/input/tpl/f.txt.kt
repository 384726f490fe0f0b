{{t:kebap}}
