{{#extras}}extra {{item}}
{{/extras}}{{#tools}}tool {{item}}
{{/tools}}owners={{owners:join=;}}
