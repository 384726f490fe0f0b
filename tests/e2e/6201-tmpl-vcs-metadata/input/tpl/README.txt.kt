hello {{who}}
