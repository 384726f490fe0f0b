{{t:default}}
