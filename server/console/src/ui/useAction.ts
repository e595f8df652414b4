import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';

/** A change through the API that refreshes the lists it affects once it is done. */
export function useAction<Input, Output>(action: (input: Input) => Promise<Output>, refreshes: QueryKey[]) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSuccess: async () => {
      await Promise.all(refreshes.map((queryKey) => queries.invalidateQueries({ queryKey })));
    },
  });
}
