{{t:replace==b}}
